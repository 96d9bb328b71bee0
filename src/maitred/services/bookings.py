"""Booking use cases: create, read, list, import a bookings file, summarise the days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any
from uuid import UUID, uuid4

from maitred.db.database import Connection, Database
from maitred.db.repositories import bookings as repo
from maitred.db.repositories import outbox
from maitred.domain.booking import ACTIVE_STATUSES
from maitred.domain.errors import InvalidRequest, NotFound
from maitred.domain.window import booking_window
from maitred.formats.bookings_file import BookingRecord, parse_bookings
from maitred.formats.problems import FileInvalid, Problem
from maitred.services.floor import read_floor
from maitred.services.venues import read_venue
from maitred.services.views import View, booking_view


@dataclass(frozen=True, slots=True)
class ImportSummary:
    bookings: int
    covers: int
    pinned: int


def _database_problems(
    conn: Connection, restaurant_id: UUID, records: list[BookingRecord], ids: dict[str, str]
) -> list[Problem]:
    """What the file cannot know: refs already taken, pinned tables already occupied."""
    problems = []
    taken = repo.existing_refs(conn, restaurant_id, [r.ref for r in records])
    for record in records:
        if record.ref in taken:
            message = f"reference {record.ref!r} already exists"
            problems.append(Problem(f"line {record.line}, ref", "DUPLICATE_REF", message))
        if record.status not in ACTIVE_STATUSES:
            continue
        for label in record.pinned_tables:
            window = record.window.window
            if repo.overlapping_allocations(conn, restaurant_id, UUID(ids[label]), window):
                message = f"{label} is already occupied at that time"
                where = f"line {record.line}, pinned_tables"
                problems.append(Problem(where, "TABLE_CONFLICT", message))
    return problems


def _booking_row(record: BookingRecord) -> dict[str, Any]:
    return {
        "booking_id": uuid4(),
        "ref": record.ref,
        "party_size": record.party_size,
        "status": record.status.value,
        "local_date": record.local_date,
        "local_time": record.local_time,
        "service": record.window.service,
        "service_date": record.window.service_date,
        "duration_minutes": record.duration_minutes,
        "time_window": record.window.window,
        "pinned": bool(record.pinned_tables),
    }


def import_bookings(
    db: Database, restaurant_id: UUID, text: str, fmt: str, defaults: dict[str, Any]
) -> ImportSummary:
    """Validate a whole bookings file, then write every booking in one transaction, or none.

    Pinned bookings that still need their tables get assignments on exactly those tables.
    """
    with db.tenant(restaurant_id) as conn:
        snapshot = read_venue(conn, restaurant_id, defaults)
        venue = snapshot.venue
        ids = {table.label: table.id for table in venue.tables}
        records = parse_bookings(text, fmt, venue.policy, venue.timezone, set(ids))
        problems = _database_problems(conn, restaurant_id, records, ids)
        if problems:
            raise FileInvalid(problems)
        rows = [_booking_row(record) for record in records]
        assignments = [
            {
                "table_id": UUID(ids[label]),
                "time_window": record.window.window,
                "group_id": row["booking_id"],
                "booking_id": row["booking_id"],
                "service_date": record.window.service_date,
                "created_by": "import",
            }
            for record, row in zip(records, rows, strict=True)
            if record.status in ACTIVE_STATUSES
            for label in record.pinned_tables
        ]
        repo.insert_bookings(conn, restaurant_id, rows)
        repo.insert_assignments(conn, restaurant_id, assignments)
    return ImportSummary(
        bookings=len(records),
        covers=sum(r.party_size for r in records),
        pinned=sum(1 for r in records if r.pinned_tables),
    )


def day_summary(db: Database, restaurant_id: UUID) -> list[dict[str, Any]]:
    """Active bookings and covers per service day and service."""
    with db.tenant(restaurant_id) as conn:
        return repo.day_summary(conn, restaurant_id)


CREATABLE_STATUSES = ("pending", "confirmed", "seated")


def create_booking(
    db: Database,
    restaurant_id: UUID,
    defaults: dict[str, Any],
    *,
    party_size: int,
    local_date: date,
    local_time: time,
    ref: str | None = None,
    guest_name: str | None = None,
    status: str = "pending",
    duration_minutes: int | None = None,
    created_by: str | None = None,
) -> View:
    """A new booking with its window from the policy (no tables yet)."""
    if status not in CREATABLE_STATUSES:
        raise InvalidRequest(f"A booking cannot be created {status}.", status=status)
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        venue = floor.venue
        found = booking_window(
            venue.policy, venue.timezone, local_date, local_time, party_size, duration_minutes
        )
        booking_id = uuid4()
        repo.insert_bookings(
            conn,
            restaurant_id,
            [
                {
                    "booking_id": booking_id,
                    "ref": ref,
                    "party_size": party_size,
                    "status": status,
                    "local_date": local_date,
                    "local_time": local_time,
                    "service": found.service,
                    "service_date": found.service_date,
                    "duration_minutes": duration_minutes,
                    "time_window": found.window,
                    "pinned": False,
                    "guest_name": guest_name,
                    "created_by": created_by,
                }
            ],
        )
        row = repo.get(conn, restaurant_id, booking_id)
        assert row is not None
        view = booking_view(row, venue)
        outbox.add(
            conn,
            restaurant_id,
            booking_id,
            "booking.created",
            f"booking.created:{booking_id}",
            view,
        )
        return view


def get_booking(
    db: Database, restaurant_id: UUID, booking_id: UUID, defaults: dict[str, Any]
) -> View:
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        row = repo.get(conn, restaurant_id, booking_id)
        if row is None:
            raise NotFound("No such booking.")
        return booking_view(row, floor.venue)


def list_bookings(
    db: Database,
    restaurant_id: UUID,
    service_date: date,
    defaults: dict[str, Any],
    statuses: list[str] | None = None,
) -> list[View]:
    """A service day's bookings, by start time."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        rows = repo.of_day(conn, restaurant_id, service_date, statuses)
        return [booking_view(row, floor.venue) for row in rows]

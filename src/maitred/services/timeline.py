"""The host's timeline of a service day: every table with its bars (assignments, live holds,
blocks), the bookings still waiting for tables, the day's services, and the context version.

Times carry the restaurant's own offset; a hold's countdown comes from the database clock, the
clock it expires by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from uuid import UUID

from maitred.db.database import Database
from maitred.db.ranges import range_window
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import service_day as day_rows
from maitred.domain.booking import ACTIVE_STATUSES, AllocationKind
from maitred.domain.errors import InvalidRequest
from maitred.domain.policy import WEEKDAYS
from maitred.domain.venue import Table, Venue
from maitred.domain.window import Window, local_to_utc, service_end_utc
from maitred.planning.rules import label_key
from maitred.services.floor import read_floor
from maitred.services.views import View, booking_view, local_iso

Row = dict[str, Any]

ACTIVE = sorted(status.value for status in ACTIVE_STATUSES)


@dataclass(frozen=True, slots=True)
class DayService:
    """A service on one service day, with its local hours and its window in UTC."""

    name: str
    start: time
    end: time
    window: Window

    def view(self, timezone: str) -> View:
        return {
            "name": self.name,
            "start": local_iso(self.window.start, timezone),
            "end": local_iso(self.window.end, timezone),
        }


def day_services(venue: Venue, service_date: date) -> list[DayService]:
    """The services open on that date's weekday, in policy order."""
    weekday, timezone = WEEKDAYS[service_date.weekday()], venue.timezone
    return [
        DayService(
            service.name,
            service.start,
            service.end,
            Window(
                local_to_utc(service_date, service.start, timezone),
                service_end_utc(service, service_date, timezone),
            ),
        )
        for service in venue.policy.services
        if weekday in service.days
    ]


def _day_span(venue: Venue, service_date: date, services: list[DayService]) -> Window:
    """Local midnight to the next, stretched to the end of a service that runs past it."""
    start = local_to_utc(service_date, time(0), venue.timezone)
    end = local_to_utc(service_date + timedelta(days=1), time(0), venue.timezone)
    return Window(start, max([end, *(s.window.end for s in services)]))


def _chosen(services: list[DayService], name: str | None) -> DayService | None:
    if name is None:
        return None
    for service in services:
        if service.name == name:
            return service
    raise InvalidRequest(
        f"No service named {name!r} runs that day.",
        service=name,
        services=[s.name for s in services],
    )


def _bar(row: Row, labels: list[str], timezone: str) -> View:
    window = range_window(row["time_window"])
    bar: View = {
        "kind": row["kind"],
        "group_id": str(row["group_id"]),
        "tables": labels,
        "start": local_iso(window.start, timezone),
        "end": local_iso(window.end, timezone),
    }
    if row["kind"] == AllocationKind.BLOCK:
        return {**bar, "reason": row["reason"]}
    bar |= {
        "booking_id": str(row["booking_id"]),
        "ref": row["ref"],
        "party_size": row["party_size"],
    }
    if row["kind"] == AllocationKind.HOLD:
        return {
            **bar,
            "hold_id": str(row["hold_id"]),
            "expires_at": local_iso(row["expires_at"], timezone),
            "seconds_left": row["seconds_left"],
        }
    return {
        **bar,
        "status": row["status"],
        "pinned": row["pinned"],
        "guest_name": row["guest_name"],
    }


def _table_view(table: Table, bars: list[View]) -> View:
    return {
        "id": table.id,
        "label": table.label,
        "capacity": table.capacity,
        "min_party": table.min_party,
        "max_party": table.single_max_party,
        "mergeable": table.mergeable,
        "active": table.active,
        "bars": bars,
    }


def _zones(venue: Venue, rows: list[Row]) -> list[View]:
    """Tables by zone (zone order, natural label order), each with its bars by start."""
    groups: dict[Any, list[str]] = {}
    for row in rows:
        if venue.has_table(str(row["table_id"])):
            groups.setdefault(row["group_id"], []).append(venue.table(str(row["table_id"])).label)
    bars: dict[str, list[View]] = {}
    for row in rows:  # already by start
        labels = sorted(groups.get(row["group_id"], []), key=label_key)
        bars.setdefault(str(row["table_id"]), []).append(_bar(row, labels, venue.timezone))
    return [
        {
            "id": zone.id,
            "name": zone.name,
            "tables": [
                _table_view(table, bars.get(table.id, []))
                for table in sorted(venue.tables, key=lambda t: label_key(t.label))
                if table.zone_id == zone.id
            ],
        }
        for zone in venue.zones
    ]


def _unassigned(bookings: list[Row], rows: list[Row], venue: Venue) -> list[View]:
    """The active bookings without tables, each with its live hold (or None)."""
    holds: dict[Any, View] = {}
    for row in rows:
        if row["kind"] == AllocationKind.HOLD:
            hold = holds.setdefault(
                row["booking_id"],
                {
                    "id": str(row["hold_id"]),
                    "expires_at": local_iso(row["expires_at"], venue.timezone),
                    "seconds_left": row["seconds_left"],
                    "tables": [],
                },
            )
            table_id = str(row["table_id"])
            hold["tables"].append(
                venue.table(table_id).label if venue.has_table(table_id) else table_id
            )
    for hold in holds.values():
        hold["tables"].sort(key=label_key)
    return [
        {**booking_view(row, venue), "hold": holds.get(row["booking_id"])}
        for row in bookings
        if not row["table_ids"]
    ]


def day_timeline(
    db: Database,
    restaurant_id: UUID,
    service_date: date,
    defaults: dict[str, Any],
    service: str | None = None,
) -> View:
    """The host's timeline of a service day (or of one of its services): every table with its
    bars (assignments, live holds, blocks), the bookings still without tables, the day's
    services, its context version and the database's time."""
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        venue = floor.venue
        services = day_services(venue, service_date)
        chosen = _chosen(services, service)
        shown = chosen.window if chosen else _day_span(venue, service_date, services)
        rows = day_rows.bars(conn, restaurant_id, shown)
        bookings = [
            row
            for row in booking_rows.of_day(conn, restaurant_id, service_date, ACTIVE)
            if chosen is None or row["service"] == chosen.name
        ]
        return {
            "date": service_date.isoformat(),
            "service": service,
            "start": local_iso(shown.start, venue.timezone),
            "end": local_iso(shown.end, venue.timezone),
            "services": [s.view(venue.timezone) for s in services],
            "zones": _zones(venue, rows),
            "unassigned": _unassigned(bookings, rows, venue),
            "context_version": allocation_rows.context_version(conn, restaurant_id, service_date),
            "server_time": local_iso(day_rows.database_now(conn), venue.timezone),
        }

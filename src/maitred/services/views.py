"""Plain JSON-ready views of bookings, holds and tables, as every caller receives them.

Times carry the restaurant's own offset, so a host reads them as wall-clock times.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from maitred.db.ranges import range_window
from maitred.domain.venue import Venue

View = dict[str, Any]


def local_iso(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).isoformat()


def tables_view(venue: Venue, table_ids: Iterable[object]) -> list[View]:
    """Tables as `{id, label}`, in label order; ids the venue no longer has are left out."""
    ids = [str(table_id) for table_id in table_ids]
    known = [venue.table(table_id) for table_id in ids if venue.has_table(table_id)]
    return [{"id": t.id, "label": t.label} for t in sorted(known, key=lambda t: t.label)]


def booking_view(row: dict[str, Any], venue: Venue) -> View:
    window = range_window(row["time_window"])
    return {
        "id": str(row["booking_id"]),
        "ref": row["ref"],
        "party_size": row["party_size"],
        "status": row["status"],
        "date": row["local_date"].isoformat(),
        "time": row["local_time"].strftime("%H:%M"),
        "service": row["service"],
        "service_date": row["service_date"].isoformat(),
        "start": local_iso(window.start, venue.timezone),
        "end": local_iso(window.end, venue.timezone),
        "pinned": row["pinned"],
        "guest_name": row["guest_name"],
        "tables": tables_view(venue, row["table_ids"]),
    }


def hold_view(row: dict[str, Any], venue: Venue, table_ids: Iterable[object]) -> View:
    window = range_window(row["time_window"])
    return {
        "id": str(row["hold_id"]),
        "booking_id": str(row["booking_id"]),
        "tables": tables_view(venue, table_ids),
        "start": local_iso(window.start, venue.timezone),
        "end": local_iso(window.end, venue.timezone),
        "expires_at": local_iso(row["expires_at"], venue.timezone),
        "ttl_seconds": row["ttl_seconds"],
        "extended": row["extended"],
    }


def plan_view(plan: Any) -> View:
    """A ranked plan as DESIGN §8 shows it, with the tables' ids beside their labels."""
    view: View = {**plan.to_json(), "table_ids": list(plan.table_ids)}
    return view

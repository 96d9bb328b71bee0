"""Availability: the start times of a date that have a plan on the live floor.

This is the feed an online widget polls, so it stays cheap: the day's occupancy is read once
(one query, plus one for the pacing ledger when the policy paces) and every 15-minute start of
every service that day is tested against it in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from maitred.db.database import Connection, Database
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.domain.errors import OutsideServiceHours, PartySizeOutOfRange
from maitred.domain.venue import Venue
from maitred.domain.window import Window, booking_window
from maitred.planning.combinations import CombinationIndex
from maitred.planning.occupancy import Occupancy, span
from maitred.planning.pacing import PacingLedger
from maitred.planning.search import has_plan
from maitred.services.floor import Floor, read_floor, to_allocation, to_booking
from maitred.services.timeline import day_services
from maitred.services.views import View

SLOT = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Slot:
    service: str
    local: datetime  # naive local start
    window: Window


def _slots(venue: Venue, local_date: date, party_size: int) -> list[Slot]:
    """Every 15-minute start of the day's services whose window is not cut to nothing."""
    slots = []
    for service in day_services(venue, local_date):
        moment = datetime.combine(local_date, service.start)
        end_day = local_date + timedelta(days=1) if service.end <= service.start else local_date
        last = datetime.combine(end_day, service.end)
        while moment < last:
            try:
                found = booking_window(
                    venue.policy, venue.timezone, moment.date(), moment.time(), party_size
                )
            except OutsideServiceHours:
                found = None
            if found is not None:
                slots.append(Slot(service.name, moment, found.window))
            moment += SLOT
    return slots


def _pacing(conn: Connection, floor: Floor, around: Window) -> PacingLedger | None:
    venue = floor.venue
    if venue.policy.pacing is None:
        return None
    bookings = [to_booking(r) for r in booking_rows.around(conn, floor.restaurant_id, around)]
    return PacingLedger.build(venue.policy.pacing, venue.timezone, bookings)


def _open(
    index: CombinationIndex,
    occupancy: Occupancy,
    ledger: PacingLedger | None,
    slot: Slot,
    party_size: int,
) -> bool:
    if ledger is not None and ledger.refusal(slot.window.start, party_size, None):
        return False
    return has_plan(index, occupancy.busy_mask(*span(slot.window)), party_size)


def availability(
    db: Database, restaurant_id: UUID, local_date: date, party_size: int, defaults: dict[str, Any]
) -> View:
    """The start times of a date (each service, every 15 minutes) that have a plan on the live
    floor, pacing respected. The day's occupancy is read once and every slot tested against it."""
    if party_size < 1:
        raise PartySizeOutOfRange("A party has at least one guest.", party_size=party_size)
    with db.tenant(restaurant_id) as conn:
        floor = read_floor(conn, restaurant_id, defaults)
        venue = floor.venue
        slots = _slots(venue, local_date, party_size)
        open_slots: list[Slot] = []
        if slots:
            around = Window(min(s.window.start for s in slots), max(s.window.end for s in slots))
            rows = allocation_rows.live_around(conn, restaurant_id, around)
            occupancy = Occupancy.from_allocations(
                floor.index.positions, [to_allocation(r) for r in rows]
            )
            ledger = _pacing(conn, floor, around)
            open_slots = [s for s in slots if _open(floor.index, occupancy, ledger, s, party_size)]
    times = sorted({s.local for s in open_slots})
    return {
        "date": local_date.isoformat(),
        "party_size": party_size,
        "times": [t.strftime("%H:%M") for t in times],
        "services": [
            {
                "name": service.name,
                "start": service.start.strftime("%H:%M"),
                "end": service.end.strftime("%H:%M"),
                "times": [
                    s.local.strftime("%H:%M") for s in open_slots if s.service == service.name
                ],
            }
            for service in day_services(venue, local_date)
        ],
    }

"""What planning needs from the database: the venue (cached by version) and the live day.

Occupancy is read from `allocations`, the rows the exclusion constraint protects: there is no
second source of truth.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from maitred.db.database import Connection
from maitred.db.ranges import range_window
from maitred.db.repositories import allocations as allocation_rows
from maitred.db.repositories import bookings as booking_rows
from maitred.db.repositories import venues as venue_rows
from maitred.domain.booking import Allocation, AllocationKind, Booking, BookingStatus
from maitred.domain.errors import NotFound
from maitred.domain.venue import Venue
from maitred.domain.window import Window
from maitred.planning.combinations import CombinationIndex, combination_index
from maitred.planning.day import DayBookings
from maitred.planning.occupancy import Occupancy
from maitred.services.venues import read_venue

# How far around a request the live day is read: the alternatives search (± 30 minutes) and
# bookings of a neighbouring service day that reach into this one.
NEIGHBOURHOOD = timedelta(hours=18)


@dataclass(frozen=True, slots=True)
class Floor:
    """A restaurant's venue at one version, with its precomputed combinations."""

    restaurant_id: UUID
    index: CombinationIndex

    @property
    def venue(self) -> Venue:
        return self.index.venue


class FloorCache:
    """Floors by (restaurant, venue version): a venue change is a new version, a new entry."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._floors: OrderedDict[tuple[UUID, int], Floor] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[UUID, int]) -> Floor | None:
        with self._lock:
            floor = self._floors.get(key)
            if floor is not None:
                self._floors.move_to_end(key)
            return floor

    def put(self, key: tuple[UUID, int], floor: Floor) -> None:
        with self._lock:
            self._floors[key] = floor
            while len(self._floors) > self._size:
                self._floors.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._floors.clear()

    def evict(self, restaurant_id: UUID) -> None:
        """Forget every cached version of one restaurant's floor."""
        with self._lock:
            for key in [key for key in self._floors if key[0] == restaurant_id]:
                del self._floors[key]


floors = FloorCache()


def read_floor(conn: Connection, restaurant_id: UUID, defaults: dict[str, Any]) -> Floor:
    """The restaurant's floor, built once per venue version."""
    restaurant = venue_rows.get_restaurant(conn, restaurant_id)
    if restaurant is None:
        raise NotFound("No such restaurant.")
    key = (restaurant_id, int(restaurant["venue_version"]))
    floor = floors.get(key)
    if floor is None:
        venue = read_venue(conn, restaurant_id, defaults).venue
        floor = Floor(restaurant_id, combination_index(venue, key))
        floors.put(key, floor)
    return floor


def to_booking(row: dict[str, Any]) -> Booking:
    """A booking row as the planner's Booking (ids as strings)."""
    return Booking(
        id=str(row["booking_id"]),
        party_size=row["party_size"],
        window=range_window(row["time_window"]),
        service=row["service"],
        service_date=row["service_date"],
        status=BookingStatus(row["status"]),
        ref=row["ref"],
        pinned=row["pinned"],
        tables=tuple(str(t) for t in row["table_ids"]),
        guest_name=row["guest_name"],
    )


def to_allocation(row: dict[str, Any]) -> Allocation:
    return Allocation(
        table_id=str(row["table_id"]),
        window=range_window(row["time_window"]),
        kind=AllocationKind(row["kind"]),
        booking_id=None if row["booking_id"] is None else str(row["booking_id"]),
        hold_id=None if row["hold_id"] is None else str(row["hold_id"]),
        group_id=str(row["group_id"]),
    )


@dataclass(frozen=True, slots=True)
class LiveDay:
    """The occupancy and the bookings around a window, as the planner takes them."""

    allocations: tuple[Allocation, ...]
    occupancy: Occupancy
    day: DayBookings


def read_live_day(
    conn: Connection, floor: Floor, window: Window, ignore_booking: UUID | None = None
) -> LiveDay:
    """Live allocations (expired holds never count) and active bookings around a window.

    The allocations of `ignore_booking` are left out of the occupancy: a booking being moved
    or re-planned never conflicts with itself.
    """
    around = Window(window.start - NEIGHBOURHOOD, window.end + NEIGHBOURHOOD)
    rows = allocation_rows.live_around(conn, floor.restaurant_id, around)
    allocations = tuple(to_allocation(row) for row in rows)
    ignored = None if ignore_booking is None else str(ignore_booking)
    occupancy = Occupancy.from_allocations(floor.index.positions, allocations, ignored)
    bookings = [to_booking(row) for row in booking_rows.around(conn, floor.restaurant_id, around)]
    venue = floor.venue
    return LiveDay(
        allocations, occupancy, DayBookings.build(bookings, venue.policy, venue.timezone)
    )

"""Bookings and the allocations that occupy tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from maitred.domain.window import Window


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    SEATED = "seated"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# Bookings in these states still need (or hold) their tables.
ACTIVE_STATUSES = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED, BookingStatus.SEATED})


@dataclass(frozen=True, slots=True)
class Booking:
    """A party's reservation. `tables` are the ids it is assigned to, if any."""

    id: str
    party_size: int
    window: Window
    service: str
    service_date: date
    status: BookingStatus = BookingStatus.PENDING
    ref: str | None = None
    pinned: bool = False
    tables: tuple[str, ...] = ()
    guest_name: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AllocationKind(StrEnum):
    HOLD = "hold"
    ASSIGNMENT = "assignment"
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class Allocation:
    """One table occupied for one window: by a hold, an assignment or a block."""

    table_id: str
    window: Window
    kind: AllocationKind
    booking_id: str | None = None
    hold_id: str | None = None
    group_id: str | None = None

"""What the planner is asked: a party, a window, and the host's wishes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo

from maitred.domain.booking import Allocation, AllocationKind, Booking
from maitred.domain.window import Window


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """Seat `party_size` guests for `window`.

    `zone_preference` is a zone id the guest would like (a soft score term); `avoid` are table
    ids never to offer; `booking_id` is the booking being planned, whose own allocations and
    pacing covers do not count against it.
    """

    party_size: int
    window: Window
    zone_preference: str | None = None
    avoid: frozenset[str] = frozenset()
    booking_id: str | None = None


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    """A quote asked in the restaurant's local time, so nearby start times can be tried.

    `duration_minutes` replaces the turn time, as for an imported booking with its own length.
    """

    party_size: int
    local_date: date
    local_time: time
    zone_preference: str | None = None
    avoid: frozenset[str] = frozenset()
    booking_id: str | None = None
    duration_minutes: int | None = None

    @classmethod
    def for_booking(
        cls,
        booking: Booking,
        timezone: str,
        zone_preference: str | None = None,
        avoid: frozenset[str] = frozenset(),
        duration_minutes: int | None = None,
    ) -> QuoteRequest:
        """The quote request of an existing booking, at its own local start."""
        local = booking.window.start.astimezone(ZoneInfo(timezone))
        return cls(
            booking.party_size,
            local.date(),
            local.time(),
            zone_preference,
            avoid,
            booking.id,
            duration_minutes,
        )

    def plan_request(self, window: Window) -> PlanRequest:
        return PlanRequest(
            self.party_size, window, self.zone_preference, self.avoid, self.booking_id
        )


def booking_allocations(bookings: Iterable[Booking]) -> list[Allocation]:
    """The assignments of the active bookings that already have tables."""
    return [
        Allocation(table_id, booking.window, AllocationKind.ASSIGNMENT, booking_id=booking.id)
        for booking in bookings
        if booking.active
        for table_id in booking.tables
    ]

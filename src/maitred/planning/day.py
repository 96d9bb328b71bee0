"""The day around a request: who still waits for a table, and the pacing ledger."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from maitred.domain.booking import Booking
from maitred.domain.policy import Policy
from maitred.planning.occupancy import Occupancy, span
from maitred.planning.pacing import PacingLedger


@dataclass(frozen=True, slots=True)
class Waiting:
    """An active booking with no tables yet, with its window as integer instants."""

    booking: Booking
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class DayBookings:
    """The day's active bookings, indexed by start for overlap queries."""

    bookings: tuple[Waiting, ...]  # by start, then id
    starts: tuple[int, ...]
    longest: int
    pacing: PacingLedger | None

    @classmethod
    def build(cls, bookings: Iterable[Booking], policy: Policy, timezone: str) -> DayBookings:
        active = [booking for booking in bookings if booking.active]
        entries = sorted(
            (Waiting(booking, *span(booking.window)) for booking in active),
            key=lambda entry: (entry.start, entry.booking.id),
        )
        longest = max((entry.end - entry.start for entry in entries), default=0)
        ledger = PacingLedger.build(policy.pacing, timezone, active) if policy.pacing else None
        return cls(tuple(entries), tuple(entry.start for entry in entries), longest, ledger)

    def overlapping(self, start: int, end: int) -> list[Waiting]:
        """The active bookings whose windows overlap `[start, end)`."""
        low = bisect_right(self.starts, start - self.longest)
        high = bisect_left(self.starts, end)
        return [entry for entry in self.bookings[low:high] if entry.end > start]

    def waiting(
        self, start: int, end: int, occupancy: Occupancy, excluding: str | None = None
    ) -> list[Waiting]:
        """Bookings overlapping `[start, end)` that have no tables, assigned or held."""
        return [
            entry
            for entry in self.overlapping(start, end)
            if not entry.booking.tables
            and entry.booking.id not in occupancy.booking_ids
            and entry.booking.id != excluding
        ]

"""Pacing: at most so many covers may start in any one slot (15 minutes by default).

Slots are counted from local midnight in the restaurant's timezone, so 19:00-19:15 is a slot
whatever the offset. The covers in a slot are those of the day's active bookings starting in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from maitred.domain.booking import Booking
from maitred.domain.policy import Pacing

Slot = tuple[date, int]


def slot_of(start: datetime, timezone: str, slot_minutes: int) -> Slot:
    """The local day and slot number of a start time."""
    local = start.astimezone(ZoneInfo(timezone))
    return local.date(), (local.hour * 60 + local.minute) // slot_minutes


@dataclass(frozen=True, slots=True)
class PacingLedger:
    """Covers starting per slot, by booking, so a booking being moved is not counted twice."""

    pacing: Pacing
    timezone: str
    covers: dict[Slot, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def build(cls, pacing: Pacing, timezone: str, bookings: Iterable[Booking]) -> PacingLedger:
        ledger = cls(pacing, timezone)
        for booking in bookings:
            if booking.active:
                slot = slot_of(booking.window.start, timezone, pacing.slot_minutes)
                ledger.covers.setdefault(slot, {})[booking.id] = booking.party_size
        return ledger

    def covers_starting(self, start: datetime, excluding: str | None = None) -> int:
        """Covers already starting in the slot of `start`, leaving out one booking."""
        slot = self.covers.get(slot_of(start, self.timezone, self.pacing.slot_minutes), {})
        return sum(covers for booking_id, covers in slot.items() if booking_id != excluding)

    def refusal(self, start: datetime, party_size: int, booking_id: str | None) -> str | None:
        """Why a party starting then would break pacing, or None when it fits."""
        already = self.covers_starting(start, booking_id)
        if already + party_size <= self.pacing.max_covers:
            return None
        local = start.astimezone(ZoneInfo(self.timezone)).strftime("%H:%M")
        return (
            f"{already} covers already start in the slot of {local}; {party_size} more would "
            f"exceed the pacing limit of {self.pacing.max_covers} per "
            f"{self.pacing.slot_minutes} minutes."
        )

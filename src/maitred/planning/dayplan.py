"""A planned day: who sits where, who could not be seated and why, and the day's figures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from maitred.domain.booking import Booking
from maitred.planning.reasons import Reason
from maitred.planning.rules import LabelKey, label_key
from maitred.planning.scoring import Plan


@dataclass(frozen=True, slots=True)
class Assignment:
    """A booking on its tables. `plan` is None when it kept tables it already had."""

    booking: Booking
    table_ids: tuple[str, ...]
    labels: tuple[str, ...]
    seats: int
    plan: Plan | None = None


@dataclass(frozen=True, slots=True)
class Unseated:
    """A booking no table or combination could take, with the reason class and a sentence."""

    booking: Booking
    reason: Reason
    message: str


@dataclass(frozen=True, slots=True)
class DayMetrics:
    """The day in figures.

    `seat_utilisation` is the seated covers divided by the seats of the tables they occupy
    (each assignment counts its tables' full capacity once, weighted by nothing else); 0 when
    nobody is seated.
    """

    bookings: int
    seated_bookings: int
    covers: int
    seated_covers: int
    seat_utilisation: float

    def to_json(self) -> dict[str, Any]:
        return {
            "bookings": self.bookings,
            "seated_bookings": self.seated_bookings,
            "covers": self.covers,
            "seated_covers": self.seated_covers,
            "seat_utilisation": round(self.seat_utilisation, 4),
        }


@dataclass(frozen=True, slots=True)
class DayPlan:
    assignments: tuple[Assignment, ...]
    unseated: tuple[Unseated, ...]
    metrics: DayMetrics
    timezone: str

    @classmethod
    def build(
        cls, assignments: Iterable[Assignment], unseated: Iterable[Unseated], timezone: str
    ) -> DayPlan:
        seated = tuple(sorted(assignments, key=lambda a: _booking_order(a.booking)))
        waiting = tuple(sorted(unseated, key=lambda u: _booking_order(u.booking)))
        return cls(seated, waiting, _metrics(seated, waiting), timezone)

    def bookings(self) -> list[Booking]:
        """Every booking of the plan, the seated ones carrying their planned tables."""
        seated = [replace(a.booking, tables=a.table_ids) for a in self.assignments]
        return seated + [u.booking for u in self.unseated]

    def to_json(self) -> dict[str, Any]:
        """The plan as in DESIGN §8 (times ISO 8601 with the restaurant's offset)."""
        zone = ZoneInfo(self.timezone)
        return {
            "assignments": [
                {
                    "ref": _ref(a.booking),
                    "party_size": a.booking.party_size,
                    "tables": list(a.labels),
                    "start": _local(a.booking.window.start, zone),
                    "end": _local(a.booking.window.end, zone),
                }
                for a in self.assignments
            ],
            "unseated": [
                {
                    "ref": _ref(u.booking),
                    "party_size": u.booking.party_size,
                    "reason": u.reason.value,
                }
                for u in self.unseated
            ],
            "metrics": self.metrics.to_json(),
        }


def _ref(booking: Booking) -> str:
    return booking.ref or booking.id


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat()


def _booking_order(booking: Booking) -> tuple[datetime, LabelKey, str]:
    return booking.window.start, label_key(_ref(booking)), booking.id


def _metrics(assignments: tuple[Assignment, ...], unseated: tuple[Unseated, ...]) -> DayMetrics:
    seated_covers = sum(a.booking.party_size for a in assignments)
    seats = sum(a.seats for a in assignments)
    return DayMetrics(
        bookings=len(assignments) + len(unseated),
        seated_bookings=len(assignments),
        covers=seated_covers + sum(u.booking.party_size for u in unseated),
        seated_covers=seated_covers,
        seat_utilisation=seated_covers / seats if seats else 0.0,
    )

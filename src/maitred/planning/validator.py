"""An independent check of a whole day's assignment, run before anything is written.

It does not trust the planner: it re-derives every booking's seating from the same rules as a
manual selection (automatic slack rule: the budget binds merges only), finds every pair of
allocations that share a table at the same time, and checks pinned bookings kept their tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from maitred.domain.booking import Allocation, AllocationKind, Booking
from maitred.domain.window import Window
from maitred.planning.combinations import CombinationIndex
from maitred.planning.occupancy import span
from maitred.planning.selection import SlackRule, seating_checks


class DayCode(StrEnum):
    """Codes only a whole day can break (per-booking checks use `CheckCode`)."""

    DUPLICATE_TABLE = "DUPLICATE_TABLE"  # one booking lists the same table twice
    PINNED_MOVED = "PINNED_MOVED"  # a pinned booking lost or changed its tables


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule in a day's assignment."""

    code: str
    booking_id: str | None
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "booking_id": self.booking_id,
            "message": self.message,
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class _Use:
    """One table occupied for one window, by a booking or another allocation."""

    table_id: str
    start: int
    end: int
    window: Window
    booking_id: str | None
    kind: AllocationKind


def validate_day(
    index: CombinationIndex,
    bookings: Sequence[Booking],
    allocations: Iterable[Allocation] = (),
    before: Sequence[Booking] | None = None,
    waived: Mapping[str, frozenset[str]] | None = None,
) -> list[Violation]:
    """Every rule the day's assignment breaks; an empty list means it may be written.

    `bookings` carry their tables; `allocations` are the other occupants of the day (blocks,
    other bookings' holds). `before` is the day as it was, to check that pinned bookings kept
    their tables. `waived` maps a booking id to the codes a manager overrode for it.
    """
    waived = waived or {}
    seated = [booking for booking in bookings if booking.active and booking.tables]
    found = [v for booking in seated for v in _booking_violations(index, booking)]
    found += _conflicts(index, seated, allocations)
    found += _pinned(index, bookings, before or ())
    return [v for v in found if v.code not in waived.get(v.booking_id or "", frozenset())]


def _booking_violations(index: CombinationIndex, booking: Booking) -> list[Violation]:
    found = []
    repeated = sorted({t for t in booking.tables if booking.tables.count(t) > 1})
    if repeated:
        found.append(
            Violation(
                DayCode.DUPLICATE_TABLE,
                booking.id,
                f"Booking {_name(booking)} lists a table more than once.",
                {"table_ids": repeated},
            )
        )
    checks = seating_checks(
        index, sorted(set(booking.tables)), booking.party_size, SlackRule.MERGES
    )
    for check in checks:
        message = f"Booking {_name(booking)}: {check.message}"
        found.append(Violation(check.code.value, booking.id, message, check.details))
    return found


def _name(booking: Booking) -> str:
    return booking.ref or booking.id


def _uses(seated: list[Booking], allocations: Iterable[Allocation]) -> list[_Use]:
    ours = {booking.id for booking in seated}
    uses = [
        _Use(table_id, *span(booking.window), booking.window, booking.id, AllocationKind.ASSIGNMENT)
        for booking in seated
        for table_id in sorted(set(booking.tables))
    ]
    uses += [
        _Use(a.table_id, *span(a.window), a.window, a.booking_id, a.kind)
        for a in allocations
        if a.booking_id is None or a.booking_id not in ours
    ]
    return uses


def _conflicts(
    index: CombinationIndex, seated: list[Booking], allocations: Iterable[Allocation]
) -> list[Violation]:
    """Every pair of uses of one table whose windows overlap."""
    by_table: dict[str, list[_Use]] = {}
    for use in _uses(seated, allocations):
        by_table.setdefault(use.table_id, []).append(use)
    found = []
    for table_id in sorted(by_table):
        uses = sorted(by_table[table_id], key=lambda u: (u.start, u.end, u.booking_id or ""))
        for position, first in enumerate(uses):
            for second in uses[position + 1 :]:
                if second.start >= first.end:
                    break
                found.append(_conflict(index, table_id, first, second))
    return found


def _conflict(index: CombinationIndex, table_id: str, first: _Use, second: _Use) -> Violation:
    venue = index.venue
    label = venue.table(table_id).label if venue.has_table(table_id) else table_id
    return Violation(
        "TABLE_CONFLICT",
        first.booking_id if first.kind is AllocationKind.ASSIGNMENT else second.booking_id,
        f"{label} is used twice at once ({_describe(first)} and {_describe(second)}).",
        {
            "table": label,
            "table_id": table_id,
            "uses": [_use_details(first), _use_details(second)],
        },
    )


def _describe(use: _Use) -> str:
    if use.kind is AllocationKind.BLOCK:
        owner = "a block"
    elif use.kind is AllocationKind.HOLD:
        owner = f"a hold for booking {use.booking_id}" if use.booking_id else "a hold"
    else:
        owner = f"booking {use.booking_id}"
    return f"{owner}, {use.window.start.isoformat()} to {use.window.end.isoformat()}"


def _use_details(use: _Use) -> dict[str, Any]:
    return {
        "booking_id": use.booking_id,
        "kind": use.kind.value,
        "start": use.window.start.isoformat(),
        "end": use.window.end.isoformat(),
    }


def _pinned(
    index: CombinationIndex, bookings: Sequence[Booking], before: Sequence[Booking]
) -> list[Violation]:
    """Pinned bookings that are no longer on exactly the tables they were pinned to."""
    now = {booking.id: booking for booking in bookings}
    found = []
    for old in before:
        if not (old.pinned and old.tables and old.active):
            continue
        new = now.get(old.id)
        kept = new is not None and new.active and set(new.tables) == set(old.tables)
        if not kept:
            labels = index.venue.labels(t for t in old.tables if index.venue.has_table(t))
            found.append(
                Violation(
                    DayCode.PINNED_MOVED,
                    old.id,
                    f"Booking {_name(old)} is pinned to {'+'.join(labels)} and must stay there.",
                    {"pinned_tables": labels, "table_ids": list(old.tables)},
                )
            )
    return found

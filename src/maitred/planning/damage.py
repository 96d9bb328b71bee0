"""Damage to the rest of the day: which waiting bookings a plan would leave without a table.

A waiting booking that overlaps the request is threatened by a plan when every combination
still free for it shares a table with the plan. Two exact shortcuts spare most bookings the
full list: one with a free combination that none of the plans being ranked touches, and one
with more pairwise-disjoint free combinations than a plan has tables (a plan cannot touch them
all), are never threatened.
"""

from __future__ import annotations

from dataclasses import dataclass

from maitred.domain.booking import Booking
from maitred.planning.combinations import CombinationIndex
from maitred.planning.day import DayBookings
from maitred.planning.occupancy import Occupancy


@dataclass(frozen=True, slots=True)
class Threat:
    """Waiting bookings of one party size and window, and the combinations still free for them."""

    bookings: tuple[Booking, ...]
    free: tuple[int, ...]

    def left_unseatable_by(self, mask: int) -> bool:
        return all(free & mask for free in self.free)


def threats(
    index: CombinationIndex,
    occupancy: Occupancy,
    day: DayBookings,
    window: tuple[int, int],
    excluding: str | None,
    plan_size: int,
    plan_tables: int,
) -> list[Threat]:
    """The waiting bookings that some plan could leave unseated.

    The plans have at most `plan_size` tables and all their tables are in the mask
    `plan_tables`. Bookings that are already unseatable are not threatened by anything.
    """
    alike: dict[tuple[int, int, int], list[Booking]] = {}
    for entry in day.waiting(*window, occupancy, excluding):
        key = (entry.start, entry.end, entry.booking.party_size)
        alike.setdefault(key, []).append(entry.booking)
    found = []
    busy_cache: dict[tuple[int, int], int] = {}
    for (start, end, party_size), bookings in alike.items():
        if (start, end) not in busy_cache:
            busy_cache[start, end] = occupancy.busy_mask(start, end)
        free = _free_unless_immune(
            index, party_size, busy_cache[start, end], plan_size, plan_tables
        )
        if free:
            found.append(Threat(tuple(bookings), free))
    return found


def _free_unless_immune(
    index: CombinationIndex, party_size: int, busy: int, plan_size: int, plan_tables: int
) -> tuple[int, ...]:
    """Its free masks, or () when no plan can take them all from it."""
    free: list[int] = []
    disjoint, covered = 0, 0
    for group in index.candidates(party_size):
        for mask in group.free_masks(busy):
            if not mask & plan_tables:
                return ()
            free.append(mask)
            if not mask & covered:
                covered |= mask
                disjoint += 1
                if disjoint > plan_size:
                    return ()
    return tuple(free)


def unseatable_count(found: list[Threat], mask: int) -> int:
    """How many of these bookings a plan on `mask` would leave without a table."""
    return sum(len(threat.bookings) for threat in found if threat.left_unseatable_by(mask))

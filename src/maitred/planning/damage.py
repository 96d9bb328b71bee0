"""Damage to the rest of the day: which waiting bookings a plan would leave without a table.

A waiting booking that overlaps the request is threatened by a plan when every combination
still free for it shares a table with the plan. A booking with more pairwise-disjoint free
combinations than the plan has tables can never be threatened (the plan cannot touch them
all), so only the scarce few keep their full list.
"""

from __future__ import annotations

from dataclasses import dataclass

from maitred.domain.booking import Booking
from maitred.planning.combinations import CombinationIndex
from maitred.planning.day import DayBookings, Waiting
from maitred.planning.occupancy import Occupancy


@dataclass(frozen=True, slots=True)
class Threat:
    """A waiting booking and the masks of the combinations still free for it."""

    booking: Booking
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
) -> list[Threat]:
    """The waiting bookings that some plan of at most `plan_size` tables could leave unseated.

    Bookings that are already unseatable are not threatened by anything and are left out.
    """
    found = []
    busy_cache: dict[tuple[int, int], int] = {}
    for entry in day.waiting(*window, occupancy, excluding):
        key = (entry.start, entry.end)
        if key not in busy_cache:
            busy_cache[key] = occupancy.busy_mask(entry.start, entry.end)
        free = _free_unless_immune(index, entry, busy_cache[key], plan_size)
        if free:
            found.append(Threat(entry.booking, free))
    return found


def _free_unless_immune(
    index: CombinationIndex, entry: Waiting, busy: int, plan_size: int
) -> tuple[int, ...]:
    """Its free masks, or () when it has more disjoint free combinations than `plan_size`."""
    free: list[int] = []
    disjoint, covered = 0, 0
    for group in index.candidates(entry.booking.party_size):
        for mask in group.free_masks(busy):
            free.append(mask)
            if not mask & covered:
                covered |= mask
                disjoint += 1
                if disjoint > plan_size:
                    return ()
    return tuple(free)


def unseatable_count(found: list[Threat], mask: int) -> int:
    """How many of these bookings a plan on `mask` would leave without a table."""
    return sum(1 for threat in found if threat.left_unseatable_by(mask))

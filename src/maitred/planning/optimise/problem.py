"""The optimiser's problem as plain data: what is decided, and every way to seat it.

A booking is *fixed* (it keeps its tables: pinned, seated, or any booking with tables when
nothing may move), *movable* (it has tables but re-optimisation may move it; it is never left
without a table) or *waiting* (no tables yet).

Waiting bookings that are alike (same party size, same window, same freedom to shift) are
interchangeable: the model decides how many of them sit at each combination, not which one,
and the first booked of them are seated first. On a busy Friday this folds hundreds of
bookings into a few dozen *demands* and removes the solver's worst symmetry. A movable booking
is a demand of its own (its moves are counted).

Each demand gets one *option* per candidate combination from the combination index whose
tables are free of everything that does not move (fixed bookings, blocks, live holds of other
bookings). A flexible-times what-if adds the same for windows shifted in 15-minute steps, for
pending bookings only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from maitred.domain.booking import Allocation, Booking, BookingStatus
from maitred.domain.errors import OutsideServiceHours
from maitred.domain.venue import Venue
from maitred.domain.window import Window, find_service, service_end_utc
from maitred.planning.combinations import Combination, CombinationIndex
from maitred.planning.occupancy import Occupancy, span
from maitred.planning.request import booking_allocations
from maitred.planning.rules import bits

STEP_MINUTES = 15


@dataclass(frozen=True, slots=True)
class Demand:
    """Bookings decided together: alike waiting bookings, or one movable booking."""

    bookings: tuple[Booking, ...]  # in the order given: the first are seated first
    current: int  # the movable booking's tables as a mask; 0 when waiting

    @property
    def count(self) -> int:
        return len(self.bookings)

    @property
    def party_size(self) -> int:
        return self.bookings[0].party_size

    @property
    def must_seat(self) -> bool:
        """A booking that has tables keeps some: re-optimisation never unseats anyone."""
        return self.current != 0


@dataclass(frozen=True, slots=True)
class Option:
    """One way to seat one booking of a demand: a combination for a window."""

    demand: int  # position in DayProblem.demands
    combination: Combination
    party_size: int
    window: Window
    start: int  # the window as integer instants
    end: int
    shift_minutes: int
    move: bool  # other tables than the booking has now, or another time

    @property
    def empty_seats(self) -> int:
        return self.combination.capacity - self.party_size

    @property
    def tables(self) -> int:
        return self.combination.size


@dataclass(frozen=True, slots=True)
class DayProblem:
    index: CombinationIndex
    fixed: tuple[Booking, ...]
    demands: tuple[Demand, ...]
    options: tuple[Option, ...]
    by_demand: tuple[tuple[int, ...], ...]  # option positions per demand, best first
    allocations: tuple[Allocation, ...]  # every occupant that does not move

    def restricted(self, keep: Iterable[int]) -> tuple[DayProblem, list[int]]:
        """The same problem with only these options, and each kept option's old position."""
        kept = sorted(set(keep))
        renumbered = {old: new for new, old in enumerate(kept)}
        by_demand = tuple(
            tuple(renumbered[p] for p in positions if p in renumbered)
            for positions in self.by_demand
        )
        options = tuple(self.options[p] for p in kept)
        return (
            DayProblem(self.index, self.fixed, self.demands, options, by_demand, self.allocations),
            kept,
        )

    def staying(self) -> set[int]:
        """The options that keep a movable booking on its current tables, at its time."""
        return {
            position
            for demand, positions in zip(self.demands, self.by_demand, strict=True)
            if demand.current
            for position in positions
            if not self.options[position].move
        }

    def hinted(self, tables: dict[str, frozenset[str]]) -> set[int]:
        """The options that seat bookings where a plan put them (booking id -> table ids)."""
        found: set[int] = set()
        for demand, positions in zip(self.demands, self.by_demand, strict=True):
            wanted = {tables[b.id] for b in demand.bookings if b.id in tables}
            found.update(
                p
                for p in positions
                if self.options[p].shift_minutes == 0
                and frozenset(self.options[p].combination.table_ids) in wanted
            )
        return found


def may_move(booking: Booking) -> bool:
    """Re-optimisation may move a booking's tables unless it is pinned or already seated."""
    return not booking.pinned and booking.status is not BookingStatus.SEATED


def build_problem(
    index: CombinationIndex,
    bookings: Sequence[Booking],
    allocations: Iterable[Allocation] = (),
    reoptimise: bool = False,
    tolerance_minutes: int = 0,
) -> DayProblem:
    """Split the day's active bookings and list every option of what is to be decided."""
    active = [booking for booking in bookings if booking.active]
    movable = [b for b in active if b.tables and reoptimise and may_move(b)]
    movable = [b for b in movable if _is_candidate(index, b)]
    moving = {b.id for b in movable}
    fixed = tuple(b for b in active if b.tables and b.id not in moving)
    waiting = [b for b in active if not b.tables]
    decided = moving | {b.id for b in waiting}
    others = [a for a in allocations if a.booking_id is None or a.booking_id not in decided]
    occupants = (*others, *booking_allocations(fixed))
    occupancy = Occupancy.from_allocations(index.positions, occupants)
    demands = tuple(Demand((b,), index.mask_of(b.tables)) for b in movable)
    demands += _alike(waiting, tolerance_minutes)
    options: list[Option] = []
    by_demand = []
    for position, demand in enumerate(demands):
        found = _options(index, occupancy, position, demand, tolerance_minutes)
        by_demand.append(tuple(range(len(options), len(options) + len(found))))
        options.extend(found)
    return DayProblem(index, fixed, demands, tuple(options), tuple(by_demand), occupants)


def _may_shift(booking: Booking, tolerance_minutes: int) -> bool:
    return tolerance_minutes > 0 and booking.status is BookingStatus.PENDING and not booking.tables


def _alike(waiting: list[Booking], tolerance_minutes: int) -> tuple[Demand, ...]:
    """Waiting bookings grouped by party size, window and freedom to shift, in first-seen
    order."""
    groups: dict[tuple[int, Window, bool], list[Booking]] = {}
    for booking in waiting:
        key = (booking.party_size, booking.window, _may_shift(booking, tolerance_minutes))
        groups.setdefault(key, []).append(booking)
    return tuple(Demand(tuple(members), 0) for members in groups.values())


def _is_candidate(index: CombinationIndex, booking: Booking) -> bool:
    """Whether a booking's tables are one of its party's combinations (an override is not:
    it stays where a manager put it)."""
    mask = index.mask_of(booking.tables)
    if mask.bit_count() != len(set(booking.tables)):
        return False
    return any(mask in group.masks for group in index.candidates(booking.party_size))


def _options(
    index: CombinationIndex,
    occupancy: Occupancy,
    position: int,
    demand: Demand,
    tolerance_minutes: int,
) -> list[Option]:
    booking = demand.bookings[0]
    shifts = [0]
    if _may_shift(booking, tolerance_minutes):
        steps = tolerance_minutes // STEP_MINUTES
        shifts += [m * STEP_MINUTES for s in range(1, steps + 1) for m in (-s, s)]
    found = []
    for shift in shifts:
        window = booking.window if shift == 0 else shifted_window(index.venue, booking, shift)
        if window is None:
            continue
        start, end = span(window)
        blocked = occupancy.busy_mask(start, end)
        for group in index.candidates(booking.party_size):
            for combination in group.free(blocked):
                move = shift != 0 or (demand.current != 0 and combination.mask != demand.current)
                found.append(
                    Option(
                        position, combination, booking.party_size, window, start, end, shift, move
                    )
                )
    return found


def shifted_window(venue: Venue, booking: Booking, minutes: int) -> Window | None:
    """The booking's window moved by `minutes`, if that start is still in its own service.

    It keeps its length, cut at the service end when the service allows no overrun."""
    start = booking.window.start + timedelta(minutes=minutes)
    local = start.astimezone(ZoneInfo(venue.timezone))
    try:
        service, service_day = find_service(venue.policy, local.date(), local.time())
    except OutsideServiceHours:
        return None
    if service.name != booking.service or service_day != booking.service_date:
        return None
    end = start + (booking.window.end - booking.window.start)
    if not service.allow_overrun:
        end = min(end, service_end_utc(service, service_day, venue.timezone))
    return Window(start, end) if end > start else None


def options_by_table(problem: DayProblem) -> dict[int, list[int]]:
    """Per table (bit position), the options that use it."""
    found: dict[int, list[int]] = {}
    for position, option in enumerate(problem.options):
        for table in bits(option.combination.mask):
            found.setdefault(table, []).append(position)
    return found


def running_sets(problem: DayProblem, positions: Sequence[int]) -> list[list[int]]:
    """The maximal sets of these options running at one moment (half-open windows)."""
    events = []
    for position in positions:
        option = problem.options[position]
        events.append((option.start, 1, position))
        events.append((option.end, 0, position))
    events.sort()  # at one instant, ends (0) before starts (1): back to back is no overlap
    running: set[int] = set()
    found, grew = [], False
    for _, is_start, position in events:
        if is_start:
            running.add(position)
            grew = True
            continue
        if grew and len(running) > 1:
            found.append(sorted(running))
        grew = False
        running.discard(position)
    return found
